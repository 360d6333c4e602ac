"""POST /api/specs/validate: a spec in, its layer table or field-level errors out."""

from typing import Annotated

from fastapi import APIRouter, Body

from aevp.service import specs
from aevp.service.routing import StrictJSONRoute
from aevp.service.schemas import ModelSpec, SpecReport

router = APIRouter(prefix="/specs", tags=["specs"], route_class=StrictJSONRoute)

SPEC_EXAMPLES = {
    "default": {"summary": "AE-32-64-L16 (the default)", "value": ModelSpec().model_dump()},
    "small": {
        "summary": "One block, latent 2 (for a 2-D latent map)",
        "value": {"blocks": [{"filters": 8, "kernel": 3}], "latent_dim": 2, "epochs": 1},
    },
    "invalid": {
        "summary": "Error 422: a latent of 0 dimensions (the error names the field)",
        "value": {"latent_dim": 0},
    },
}


@router.post(
    "/validate",
    summary="Validate a model spec",
    description="Checks a ModelSpec and returns its layer table (output shape, parameters and forward "
    "FLOPs per layer) and totals. An invalid spec gets 422 with one error per offending field; the model "
    "builder calls this on every edit.",
    responses={422: {"description": "The spec is invalid; `detail` lists each field's problem"}},
)
async def validate_spec(spec: Annotated[ModelSpec, Body(openapi_examples=SPEC_EXAMPLES)]) -> SpecReport:
    return specs.report(spec)
