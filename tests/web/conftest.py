import pytest

from tests.web.browser import Browser


@pytest.fixture
async def browser_for(fed):
    """browser_for(inst) -> a fresh Browser on that instance (closed after the test)."""
    made = []

    def make(inst):
        made.append(Browser(inst, fed.resolver))
        return made[-1]

    yield make
    for b in made:
        await b.close()
