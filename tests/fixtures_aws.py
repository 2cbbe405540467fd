"""Fixtures for the local AWS emulator (filled in with the emulator)."""
