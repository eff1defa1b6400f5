"""The STP self-play loop and the expert-iteration baseline, on Ray."""
