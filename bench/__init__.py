"""Benchmarks of the portal (``make bench``); see the README's *Benchmarks* section."""
