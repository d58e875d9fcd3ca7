class Conflict(Exception):
    """The action contradicts the current state (joining twice, banning the owner...): HTTP 409."""
