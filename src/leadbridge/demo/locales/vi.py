"""Tiếng Việt (the shape: locales/__init__.py)."""

STATUSES = [
    ("Mới", "#3b82f6", "open", True),
    ("Chưa liên hệ", "#6366f1", "open", True),
    ("Đã liên hệ", "#0ea5e9", "open", True),
    ("Đủ điều kiện", "#10b981", "open", True),
    ("Đã chuyển đổi", "#22c55e", "converted", True),
    ("Thất bại", "#ef4444", "lost", False),
]
SOURCES = [
    "Biểu mẫu web",
    "Trang web",
    "Cuộc gọi",
    "E-mail",
    "Giới thiệu",
    "Hội chợ",
    "Nhập dữ liệu",
    "Khác",
]
LOST_REASONS = [
    "Giá quá cao",
    "Chọn đối thủ cạnh tranh",
    "Không có ngân sách",
    "Không phản hồi",
    "Không có nhu cầu",
    "Lý do khác",
]
PIPELINE = "Bán hàng"
STAGES = [
    ("Mới", "open", 10),
    ("Đánh giá", "open", 25),
    ("Báo giá", "open", 50),
    ("Đàm phán", "open", 75),
    ("Thành công", "won", 100),
    ("Thất bại", "lost", 0),
]
EXTRA_SOURCES = [
    "Hội chợ 2026",
    "Đối tác",
    "Gọi điện chào hàng",
    "LinkedIn",
    "Bản tin",
    "Cổng đăng ký doanh nghiệp",
]
PARTNER_PIPELINE = ("Hợp tác", ["Đã liên hệ", "Đàm phán", "Hợp đồng", "Đang hoạt động", "Kết thúc"])
TASK_TEMPLATES = [
    (
        "Cuộc gọi đầu tiên",
        "Giới thiệu bản thân và tìm hiểu nhu cầu của khách hàng tiềm năng.",
        1,
        0,
    ),
    ("Gửi báo giá", "Gửi báo giá đã thống nhất qua điện thoại.", 2, 2),
    ("Chuẩn bị hợp đồng", "Kiểm tra doanh nghiệp trên cổng đăng ký và chuẩn bị hợp đồng.", 3, 3),
]
COUNTRY = "VN"
TASKS = [
    "Cuộc gọi đầu tiên",
    "Gửi báo giá",
    "Gọi lại",
    "Chuẩn bị cuộc họp",
    "Kiểm tra đăng ký doanh nghiệp",
]
NOTES = [
    "Gặp tại hội chợ, quan tâm đến gói cao cấp.",
    "Thích liên hệ qua e-mail, chỉ gọi sau 14:00.",
    "Muốn xem khách hàng tham khảo cùng ngành.",
]
TAGS = ["VIP", "bản-tin", "hội-chợ-2026", "đối-tác", "gọi-lại", "đã-duyệt-ngân-sách"]
JOB_TITLES = ["Giám đốc", "Trưởng phòng kinh doanh", "Nhân viên mua hàng", "Chủ doanh nghiệp", ""]
DEAL_WORDS = ["bản quyền", "dự án thử nghiệm", "gia hạn", "hỗ trợ"]
NOTE_SUBJECT = "Ghi chú"
# The demo's sales teams by the country they serve (demo/data.py TEAMS).
TEAMS = {"CZ": "Praha", "SK": "Bratislava", "PL": "Warszawa", "LT": "Vilnius", "VN": "Hà Nội"}
