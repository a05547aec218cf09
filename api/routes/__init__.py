"""The HTTP API's routes: one ``APIRouter`` per resource, assembled by ``api.app.create_app``."""
