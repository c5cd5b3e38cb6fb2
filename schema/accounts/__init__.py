"""Accounts in the schema: who is signed in, signing in and out, API tokens, users."""
