import pytest
from django.test import override_settings

from recommender.models import ModelVersion
from recommender.registry import artifact_write
from recommender.serving import loaded_models
from tests.factories import ModelVersionFactory


class FixedOrderModel:
    """A stand-in ranker: the given posts in the given order, minus the excluded ones."""

    def __init__(self, post_ids, reason="similar to posts you liked"):
        self.post_ids = list(post_ids)
        self.reason = reason

    def rank_user(self, *, user_id, k, exclude_post_ids):
        ranked = [pk for pk in self.post_ids if pk not in exclude_post_ids][:k]
        return ranked, {pk: self.reason for pk in ranked}


@pytest.fixture(autouse=True)
def _fresh_models(tmp_path):
    """Each test starts with no model loaded in this process and its own artifact storage."""
    loaded_models.clear()
    with override_settings(MEDIA_ROOT=tmp_path):
        yield
    loaded_models.clear()


@pytest.fixture
def activate_model(db):
    def activate(model, **fields):
        version = ModelVersionFactory(**fields)
        version.artifact.name = artifact_write(version=version, recommender=model)
        version.status = ModelVersion.Status.ACTIVE
        version.save()
        return version

    return activate
