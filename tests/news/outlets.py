"""Invented items in the house styles of other Vietnamese outlets, each with the summary a
subscriber should read. The outlets, people and figures are made up; the patterns (datelines,
prefaces, invitations, credits, captions, look-alike letters) are how such sites write.

Each item is the HTML a feed would carry (content:encoded or description).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutletItem:
    outlet: str
    name: str
    html: str
    summary: str  # exactly what the summary must be
    absent: tuple[str, ...] = ()  # text that must appear nowhere in the clean article text
    kept: tuple[str, ...] = ()  # text that must stay in the clean article text


ETH = "\u00d0"  # Icelandic capital eth, typed for "Đ" by some old CMSs

ITEMS: tuple[OutletItem, ...] = (
    # --- A. a provincial TV station's site: "QNgTV-" datelines, spoken invitations --------
    OutletItem(
        "tv",
        "dateline-no-space",
        "<p>QNgTV- Sáng 3/7, UBND tỉnh tổ chức hội nghị sơ kết công tác 6 tháng đầu năm. "
        "Tổng sản phẩm trên địa bàn tỉnh tăng 7,2% so với cùng kỳ.</p>"
        "<p>Mời quý vị cùng theo dõi.</p>",
        "Sáng 3/7, UBND tỉnh tổ chức hội nghị sơ kết công tác 6 tháng đầu năm. Tổng sản phẩm"
        " trên địa bàn tỉnh tăng 7,2% so với cùng kỳ.",
        absent=("QNgTV", "Mời quý vị"),
        kept=("UBND tỉnh",),
    ),
    OutletItem(
        "tv",
        "invitation-inside-the-lead",
        "<p>QNgTV - Những ngày này, nông dân huyện Bình Sơn đang tập trung thu hoạch lúa hè thu."
        " Năng suất ước đạt 62 tạ/ha. Mời quý vị và các bạn cùng xem phóng sự sau đây.</p>",
        "Những ngày này, nông dân huyện Bình Sơn đang tập trung thu hoạch lúa hè thu. Năng suất"
        " ước đạt 62 tạ/ha.",
        absent=("Mời quý vị", "phóng sự sau đây"),
    ),
    OutletItem(
        "tv",
        "invitation-then-byline",
        "<p>QNgTV-Chiều 5/7, Bộ Chỉ huy Quân sự tỉnh tổ chức lễ giao nhận quân năm 2014. "
        "Có 1.250 thanh niên lên đường nhập ngũ.</p>"
        "<p>Xin mời quý vị theo dõi phóng sự của phóng viên Đài.</p>"
        "<p>MINH TRÍ – QUỐC HƯNG</p>",
        "Chiều 5/7, Bộ Chỉ huy Quân sự tỉnh tổ chức lễ giao nhận quân năm 2014. Có 1.250 thanh"
        " niên lên đường nhập ngũ.",
        absent=("Xin mời", "MINH TRÍ"),
    ),
    OutletItem(
        "tv",
        "watch-invitation-kept-when-it-is-news",
        "<p>QNgTV- Bảo tàng tỉnh mời người dân tham quan triển lãm ảnh về biển đảo từ ngày 10/7."
        " Triển lãm giới thiệu hơn 200 bức ảnh tư liệu.</p>",
        "Bảo tàng tỉnh mời người dân tham quan triển lãm ảnh về biển đảo từ ngày 10/7. Triển lãm"
        " giới thiệu hơn 200 bức ảnh tư liệu.",
        kept=("Bảo tàng tỉnh mời người dân",),
    ),
    # --- B. a national news agency: "TTXVN –", place datelines, "Theo" and photo credits --
    OutletItem(
        "agency",
        "agency-dateline",
        "<p>TTXVN – Ngày 4/7, Bộ Nông nghiệp và Phát triển nông thôn cho biết diện tích lúa bị"
        " sâu cuốn lá nhỏ gây hại đã giảm 30%. Các địa phương đang phun thuốc phòng trừ.</p>"
        "<p>Theo TTXVN</p>",
        "Ngày 4/7, Bộ Nông nghiệp và Phát triển nông thôn cho biết diện tích lúa bị sâu cuốn lá"
        " nhỏ gây hại đã giảm 30%. Các địa phương đang phun thuốc phòng trừ.",
        absent=("TTXVN",),
    ),
    OutletItem(
        "agency",
        "place-and-agency-dateline",
        "<p>HÀ NỘI (TTXVN) - Sáng 2/7, Thủ tướng Chính phủ chủ trì phiên họp Chính phủ thường"
        " kỳ tháng 6. Các đại biểu thảo luận tình hình kinh tế - xã hội 6 tháng đầu năm.</p>"
        "<p>Quang cảnh phiên họp. (Ảnh: TTXVN)</p>",
        "Sáng 2/7, Thủ tướng Chính phủ chủ trì phiên họp Chính phủ thường kỳ tháng 6. Các đại"
        " biểu thảo luận tình hình kinh tế - xã hội 6 tháng đầu năm.",
        absent=("HÀ NỘI", "(TTXVN)", "Quang cảnh phiên họp"),
    ),
    OutletItem(
        "agency",
        "credit-in-parentheses-after-the-last-sentence",
        "<p>Giá xăng E5 RON92 giảm 320 đồng/lít từ 15 giờ chiều nay. Giá dầu diesel giữ nguyên."
        " (Theo TTXVN)</p>",
        "Giá xăng E5 RON92 giảm 320 đồng/lít từ 15 giờ chiều nay. Giá dầu diesel giữ nguyên.",
        absent=("Theo TTXVN",),
    ),
    OutletItem(
        "agency",
        "theo-as-prose-is-kept",
        "<p>Theo kế hoạch, cầu Cửa Đại sẽ thông xe vào cuối tháng 8. Theo ông Lê Văn Hòa, Giám"
        " đốc Ban quản lý dự án, khối lượng còn lại không nhiều.</p>"
        "<p>Theo Báo Tin tức</p>",
        "Theo kế hoạch, cầu Cửa Đại sẽ thông xe vào cuối tháng 8. Theo ông Lê Văn Hòa, Giám đốc"
        " Ban quản lý dự án, khối lượng còn lại không nhiều.",
        absent=("Theo Báo Tin tức",),
        kept=("Theo kế hoạch", "Theo ông Lê Văn Hòa"),
    ),
    # --- C. a provincial daily: "(BTN) -" marks after a place or in the lead --------------
    OutletItem(
        "daily",
        "place-and-source-mark",
        "<p>PHAN THIẾT (BTN) - Sáng 3/7, Sở Du lịch tổ chức hội nghị xúc tiến du lịch biển."
        " Hơn 100 doanh nghiệp lữ hành tham dự.</p>",
        "Sáng 3/7, Sở Du lịch tổ chức hội nghị xúc tiến du lịch biển. Hơn 100 doanh nghiệp lữ"
        " hành tham dự.",
        absent=("PHAN THIẾT", "(BTN)"),
    ),
    OutletItem(
        "daily",
        "source-mark-in-the-lead",
        "<p>Ngày 2/7, tại huyện Tuy Phong (BTN) - Ban Chỉ huy Quân sự huyện tổ chức diễn tập"
        " phòng chống lụt bão. Có 300 chiến sĩ và dân quân tham gia.</p>",
        "Ngày 2/7, tại huyện Tuy Phong, Ban Chỉ huy Quân sự huyện tổ chức diễn tập phòng chống"
        " lụt bão. Có 300 chiến sĩ và dân quân tham gia.",
        absent=("(BTN)",),
    ),
    OutletItem(
        "daily",
        "acronyms-in-brackets-are-kept",
        "<p>Sáng 4/7, Hội Liên hiệp Phụ nữ (LHPN) tỉnh ra mắt mô hình “Phụ nữ tiết kiệm”."
        " Mô hình (PNTK) - đã có 120 hội viên - được nhân rộng ra các xã.</p>",
        "Sáng 4/7, Hội Liên hiệp Phụ nữ (LHPN) tỉnh ra mắt mô hình “Phụ nữ tiết kiệm”. Mô hình"
        " (PNTK) - đã có 120 hội viên - được nhân rộng ra các xã.",
        kept=("(LHPN)", "(PNTK) - đã có 120 hội viên"),
    ),
    # --- D. a radio service: editor's note, listening invitation, capital bylines ---------
    OutletItem(
        "radio",
        "lts-preface",
        "<p><em>LTS: Chương trình “Nông thôn ngày nay” kỳ này giới thiệu kinh nghiệm nuôi bò"
        " vỗ béo của nông dân xã Ea Tiêu.</em></p>"
        "<p>Gia đình anh Y Nuê hiện nuôi 25 con bò vỗ béo. Mỗi năm anh xuất bán ba lứa, thu"
        " lãi hơn 200 triệu đồng.</p>"
        "<p>Mời các bạn cùng nghe.</p><p>HẰNG NGA</p>",
        "Gia đình anh Y Nuê hiện nuôi 25 con bò vỗ béo. Mỗi năm anh xuất bán ba lứa, thu lãi"
        " hơn 200 triệu đồng.",
        absent=("LTS", "Mời các bạn", "HẰNG NGA"),
    ),
    OutletItem(
        "radio",
        "byline-after-the-last-sentence-of-a-brief",
        "<p>Đêm 3/7, mưa lớn làm sạt lở 50 m đường vào thôn Ea Lang. Lực lượng xung kích xã đã"
        " khơi thông tuyến đường trong sáng nay. HẰNG NGA</p>",
        "Đêm 3/7, mưa lớn làm sạt lở 50 m đường vào thôn Ea Lang. Lực lượng xung kích xã đã khơi"
        " thông tuyến đường trong sáng nay.",
        absent=("HẰNG NGA",),
    ),
    OutletItem(
        "radio",
        "listeners-invitation",
        "<p>Tuần qua, giá tiêu tại các địa phương tăng từ 3.000 đến 5.000 đồng/kg. Nhiều nông"
        " hộ chưa vội bán ra. Kính mời quý thính giả theo dõi bản tin thị trường.</p>",
        "Tuần qua, giá tiêu tại các địa phương tăng từ 3.000 đến 5.000 đồng/kg. Nhiều nông hộ"
        " chưa vội bán ra.",
        absent=("Kính mời",),
    ),
    OutletItem(
        "radio",
        "capitalised-acronyms-are-not-bylines",
        "<p>Chiều 5/7, Ban Chỉ đạo tổ chức tổng kết công tác phòng, chống dịch. Đơn vị dẫn đầu"
        " là Trung tâm Kiểm soát bệnh tật.</p><p>UBND TỈNH ĐẮK LẮK KHEN THƯỞNG 12 TẬP THỂ.</p>",
        "Chiều 5/7, Ban Chỉ đạo tổ chức tổng kết công tác phòng, chống dịch. Đơn vị dẫn đầu là"
        " Trung tâm Kiểm soát bệnh tật. UBND TỈNH ĐẮK LẮK KHEN THƯỞNG 12 TẬP THỂ.",
        kept=("UBND TỈNH ĐẮK LẮK KHEN THƯỞNG 12 TẬP THỂ.",),
    ),
    # --- E. a print paper's site: editor's preface, series intro, numbered captions -------
    OutletItem(
        "paper",
        "editors-preface",
        "<p><strong>Lời Tòa soạn:</strong> Những năm qua, nhiều hộ đồng bào đã thoát nghèo"
        " nhờ trồng cà phê xen sầu riêng. Báo giới thiệu câu chuyện của một hộ như thế.</p>"
        "<p>Ông K’Brệ ở thôn 2, xã Lộc Bắc có 3 ha cà phê xen 150 cây sầu riêng. Năm 2014, gia"
        " đình ông thu về hơn 600 triệu đồng.</p>",
        "Ông K’Brệ ở thôn 2, xã Lộc Bắc có 3 ha cà phê xen 150 cây sầu riêng. Năm 2014, gia đình"
        " ông thu về hơn 600 triệu đồng.",
        absent=("Lời Tòa soạn", "Báo giới thiệu"),
    ),
    OutletItem(
        "paper",
        "series-introduction",
        "<p><em>Nhằm phản ánh những đổi thay ở vùng biên giới, Báo Cao Nguyên thực hiện loạt"
        " bài “Sức sống mới nơi biên cương”. Xin giới thiệu cùng bạn đọc.</em></p>"
        "<p><strong>Bài 1: Con đường về bản</strong></p>"
        "<p>Trước đây, từ trung tâm xã vào bản Tà Lùng phải đi bộ mất nửa ngày. Nay con đường"
        " bê tông dài 14 km đã về đến tận bản.</p>",
        "Trước đây, từ trung tâm xã vào bản Tà Lùng phải đi bộ mất nửa ngày. Nay con đường bê"
        " tông dài 14 km đã về đến tận bản.",
        absent=("loạt bài", "bạn đọc"),
    ),
    OutletItem(
        "paper",
        "numbered-captions",
        "<p>Ảnh 1: Lãnh đạo tỉnh thăm gian hàng nông sản.</p>"
        "<p>Chiều 6/7, Hội chợ nông sản an toàn khai mạc tại quảng trường tỉnh. Hội chợ có 180"
        " gian hàng của 12 tỉnh, thành phố.</p>"
        "<p>Ảnh 2: Người dân mua sắm tại hội chợ. Ảnh: Văn Long</p>"
        "<p>Hội chợ kéo dài đến hết ngày 10/7.</p>",
        "Chiều 6/7, Hội chợ nông sản an toàn khai mạc tại quảng trường tỉnh. Hội chợ có 180 gian"
        " hàng của 12 tỉnh, thành phố. Hội chợ kéo dài đến hết ngày 10/7.",
        absent=("Ảnh 1", "Ảnh 2", "Văn Long"),
    ),
    OutletItem(
        "paper",
        "source-credit",
        "<p>Năm học 2014-2015, toàn tỉnh tuyển sinh 9.800 học sinh vào lớp 10 công lập. Chỉ"
        " tiêu tăng 400 em so với năm trước.</p><p>Nguồn: Sở Giáo dục và Đào tạo</p>",
        "Năm học 2014-2015, toàn tỉnh tuyển sinh 9.800 học sinh vào lớp 10 công lập. Chỉ tiêu"
        " tăng 400 em so với năm trước.",
        absent=("Nguồn:",),
    ),
    # --- F. an old CMS: look-alike "Ð", alt texts and file names left in the text ----------
    OutletItem(
        "legacy",
        "eth-for-d-stroke",
        f"<p>{ETH}êm 4/7, tại {ETH}ắk Nông xảy ra mưa đá. {ETH}oàn công tác của tỉnh đã đến thăm"
        " hỏi các hộ bị thiệt hại.</p>",
        "Đêm 4/7, tại Đắk Nông xảy ra mưa đá. Đoàn công tác của tỉnh đã đến thăm hỏi các hộ bị"
        " thiệt hại.",
        absent=(ETH,),
    ),
    OutletItem(
        "legacy",
        "alt-text-and-file-name",
        '<p><img src="/u/a.jpg" alt="Nông dân thu hoạch điều">Nông dân thu hoạch điều</p>'
        "<p>IMG_2034.JPG</p>"
        "<p>Vụ điều năm nay được mùa, giá 32.000 đồng/kg. Toàn huyện có 4.500 ha điều.</p>",
        "Vụ điều năm nay được mùa, giá 32.000 đồng/kg. Toàn huyện có 4.500 ha điều.",
        absent=("IMG_2034", "Nông dân thu hoạch điều"),
    ),
    OutletItem(
        "legacy",
        "eth-in-a-byline-and-photo-credit",
        f"<p>Sáng 7/7, {ETH}ội tuyển bóng chuyền nữ của tỉnh lên đường dự giải toàn quốc. {ETH}ội"
        " có 14 vận động viên.</p><p>Ảnh minh họa</p>"
        f"<p>{ETH}ỨC ANH</p>",
        "Sáng 7/7, Đội tuyển bóng chuyền nữ của tỉnh lên đường dự giải toàn quốc. Đội có 14 vận"
        " động viên.",
        absent=("ỨC ANH", "minh họa", ETH),
    ),
    # --- G. a city portal: prose that only looks like furniture must stay -----------------
    OutletItem(
        "portal",
        "portal-dateline-domain",
        "<p>(Cổng TTĐT) - Thành phố ra quân tổng vệ sinh môi trường hưởng ứng Ngày Môi trường"
        " thế giới. Hơn 5.000 người tham gia.</p><p>BBT</p>",
        "Thành phố ra quân tổng vệ sinh môi trường hưởng ứng Ngày Môi trường thế giới. Hơn 5.000"
        " người tham gia.",
        absent=("Cổng TTĐT", "BBT"),
    ),
    OutletItem(
        "portal",
        "asean-dash-is-content",
        "<p>ASEAN – Trung Quốc thúc đẩy hợp tác thương mại biên giới. Kim ngạch hai chiều qua"
        " cửa khẩu tăng 18%.</p>",
        "ASEAN – Trung Quốc thúc đẩy hợp tác thương mại biên giới. Kim ngạch hai chiều qua cửa"
        " khẩu tăng 18%.",
        kept=("ASEAN – Trung Quốc",),
    ),
)
