"""API endpoints of the innovation app, registered on the /api/v1/ router by maillage/api/urls.py."""


def register(router) -> None:
    """Add this app's viewsets to the router."""
