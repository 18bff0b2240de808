"""Accounts: sign-up, sign-in, sessions, the account page (`routes.py` holds the blueprint)."""
