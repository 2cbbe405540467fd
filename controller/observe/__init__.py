"""Pure readers: AWS describe responses in, observed shapes, deltas and status out."""
