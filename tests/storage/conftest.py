"""The media store on the data folder and on a real S3 API (moto_server on loopback)."""
from __future__ import annotations

import pytest

from tests.conftest import build_app, reset_schema
from tests.services import make_bucket, s3_endpoint  # noqa: F401  (the session's moto server)
from tests.stories.conftest import clips  # noqa: F401  (spoken clips, made once)


@pytest.fixture
def s3_app(tmp_path, s3_endpoint):  # noqa: F811
    """The app with its media in a fresh (versioned) bucket on moto's S3 server."""
    bucket = make_bucket(s3_endpoint, versioned=True)
    application = build_app(tmp_path / "data", MEDIA_STORAGE=f"s3://{bucket}/site", S3_ENDPOINT_URL=s3_endpoint)
    reset_schema(application)
    application.config["TEST_BUCKET"] = bucket
    yield application
    from extensions import db

    with application.app_context():
        db.engine.dispose()
