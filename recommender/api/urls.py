from rest_framework.routers import SimpleRouter

from .views import ModelVersionViewSet

router = SimpleRouter()
router.register("recommender/versions", ModelVersionViewSet, basename="recommender-version")

urlpatterns = router.urls
