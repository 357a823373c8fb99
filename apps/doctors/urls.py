from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("doctors", views.DoctorViewSet, basename="doctor")
router.register("timeslots", views.TimeSlotViewSet, basename="timeslot")

urlpatterns = router.urls
