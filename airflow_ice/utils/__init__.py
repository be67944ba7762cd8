"""Machinery shared by the ICE operators, sensors and triggers (job families, events, tags, reattach)."""
