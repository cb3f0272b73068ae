from rest_framework.routers import SimpleRouter

from .views import ContractViewSet, CustomerViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("contracts", ContractViewSet, basename="contract")

urlpatterns = router.urls
