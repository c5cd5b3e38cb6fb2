"""Helpers the tests share: real databases, a real server, real JPEG and EXIF bytes."""
