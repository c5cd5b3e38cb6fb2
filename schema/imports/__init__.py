"""Imports: sessions, photo groups and batches."""
