"""The public site's URLconf (namespace ``enquiries``): the intake form and the portal."""

from enquiries.intake import urls as intake
from enquiries.portal import urls as portal

app_name = "enquiries"

urlpatterns = [*intake.urlpatterns, *portal.urlpatterns]
