"""Student operations of the demo level."""


def add(a: float, b: float) -> float:
    """a + b."""
    ### BEGIN SOLUTION
    return a + b
    ### END SOLUTION


def mul(a: float, b: float) -> float:
    """a * b."""
    ### BEGIN SOLUTION
    return a * b
    ### END SOLUTION


def safe_div(a: float, b: float) -> float:
    """a / b; ValueError when b == 0."""
    ### BEGIN SOLUTION
    if b == 0:
        raise ValueError("division by zero")
    return a / b
    ### END SOLUTION
