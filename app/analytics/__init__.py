"""Pure portfolio arithmetic: no Flask, no database, no network."""
