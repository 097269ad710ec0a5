"""Marshmallow input (``<Action>Args``) and output (``<Thing>Schema``) schemas for views and CLI."""
