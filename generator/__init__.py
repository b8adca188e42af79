"""Build pipeline that turns the published Sage spec into the generated client."""
