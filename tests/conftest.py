import pytest

from tests.harness import Federation


@pytest.fixture
async def fed(tmp_path):
    federation = Federation(tmp_path)
    try:
        yield federation
    finally:
        await federation.close()
