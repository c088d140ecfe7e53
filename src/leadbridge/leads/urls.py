from django.urls import path

from . import board, views, wizard
from .switch import leads_page

app_name = "leads"
urlpatterns = [
    path("", views.lead_list, name="list"),
    path("new/", views.lead_create, name="create"),
    path("mass/", views.lead_mass, name="mass"),
    path("filters/", views.lead_filter_save, name="filter_save"),
    path("filters/<int:filter_id>/delete/", views.lead_filter_delete, name="filter_delete"),
    path("board/", board.board, name="board"),
    path("board/move/", board.board_move, name="board_move"),
    path("board/lost/", board.board_lost, name="board_lost"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/edit/", views.lead_edit, name="edit"),
    path("<int:pk>/status/", views.lead_status, name="status"),
    path("<int:pk>/delete/", views.lead_delete, name="delete"),
    path("<int:pk>/convert/", wizard.convert_wizard, name="convert"),
    path("<int:pk>/convert/<str:preset>/", wizard.quick_convert, name="quick_convert"),
    path("<int:pk>/assign/", wizard.assign, name="assign"),
]

# Every lead page is hidden while the "Use leads" setting is off (leads/switch.py).
for pattern in urlpatterns:
    pattern.callback = leads_page(pattern.callback)
