"""GET /api/health: whether the models are loaded and compiled."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from aevp.service.deps import ServicesDep
from aevp.service.routing import StrictJSONRoute
from aevp.service.schemas import Health

router = APIRouter(tags=["health"], route_class=StrictJSONRoute)


@router.get(
    "/health",
    summary="Readiness",
    description="`ready` once the shipped and saved models are loaded and their functions compiled; until "
    "then `starting` with status 503, so that a health check waits for warm-up.",
    responses={
        503: {
            "model": Health,
            "description": "Still warming up",
            "content": {"application/json": {"example": {"status": "starting", "models": 2, "executor": "local"}}},
        }
    },
)
async def get_health(services: ServicesDep) -> Health:
    health = Health(
        status="ready" if services.ready else "starting",
        models=services.models.store.count(),
        executor=services.jobs.executor.name,
        warming=services.warming,
    )
    if not services.ready:
        return JSONResponse(health.model_dump(), status_code=503)  # type: ignore[return-value]
    return health
