"""A wrong sign-in for a known and for an unknown email, with scrypt as in production: the times should match.

Run: .venv/bin/python bench/signin.py [--requests 20]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import User  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20, help="sign-ins per email")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        limits = f"{10 * args.requests}/minute"
        app = create_app(
            {"TESTING": True, "WTF_CSRF_ENABLED": False, "SCHEDULER_ENABLED": False, "CACHE_TYPE": "SimpleCache",
             "SIGNIN_LIMIT_PER_ACCOUNT": limits, "SIGNIN_LIMIT_PER_ADDRESS": limits},
            environ={"SECRET_KEY": "b" * 32, "DATABASE_URL": f"sqlite:///{tmp}/signin.sqlite3", "FLASK_DEBUG": "1"},
        )
        with app.app_context():
            db.create_all()
            user = User(email="known@example.com")
            user.set_password("the-right-password")  # scrypt: the production default
            db.session.add(user)
            db.session.commit()
        client = app.test_client()
        for email in ("known@example.com", "unknown@example.com"):
            client.post("/login", data={"email": email, "password": "a-wrong-password"})  # warm up
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                status = client.post("/login", data={"email": email, "password": "a-wrong-password"}).status_code
                times.append((time.perf_counter() - started) * 1000)
            print(f"{email:22} status {status}  median {statistics.median(times):6.1f} ms  "
                  f"min {min(times):6.1f} ms  max {max(times):6.1f} ms  ({args.requests} sign-ins)")


if __name__ == "__main__":
    main()
