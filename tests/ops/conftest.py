from tests.stories.conftest import clips  # noqa: F401  (spoken clips, made once)
