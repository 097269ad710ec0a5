"""Helpers shared by test packages (real peers started on loopback)."""
