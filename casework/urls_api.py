"""The API's routes for casework (mounted at /api/v1/, namespace ``api``): every feature's
endpoints."""

from casework.cases import urls as cases
from casework.clocks import urls as clocks
from casework.enquiry import urls as enquiry
from casework.history import urls as history
from casework.letters import urls as letters
from casework.mail import urls as mail
from casework.publishing import urls as publishing
from casework.queue import urls as queue
from casework.reports import urls as reports
from casework.search import urls as search
from casework.service_levels import urls as service_levels
from casework.workspace import urls as workspace

urlpatterns = [
    *queue.api_urlpatterns,
    *enquiry.api_urlpatterns,
    *history.api_urlpatterns,
    *publishing.api_urlpatterns,
    *workspace.api_urlpatterns,
    *clocks.api_urlpatterns,
    *cases.api_urlpatterns,
    *service_levels.api_urlpatterns,
    *letters.api_urlpatterns,
    *reports.api_urlpatterns,
    *mail.api_urlpatterns,
    *search.api_urlpatterns,
]
