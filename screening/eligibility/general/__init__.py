"""The general protocol format: a catalogue of data items and criteria built from general kinds.

`protocol.py` loads it, `facts.py` reads a facts document against its catalogue, `conditions.py` and
`pregnancy.py` evaluate the kinds, `engine.py` combines them, `messages.py` holds the evidence messages.
"""
