"""calc: a made-up student package."""
