"""Browsing in real Chromium: the virtualised timeline, jumping to a month, the photo view with
keyboard navigation, editing, filters in the URL, and acting on a selection."""

from __future__ import annotations

from typing import Any

from tests.support.browser import screenshot, wait_for
from tests.support.graphql import HttpGraphQL, data
from tests.web.folders import seed_library

PHOTO = "query($h: String!) { photo(hothash: $h) { title description tags rating } }"


def test_timeline_is_virtualised_and_jumps_to_any_month(sqlite_server: str, page: Any) -> None:
    seed_library(sqlite_server, 3000)
    requests: list[str] = []
    page.on("request", lambda req: req.url.endswith("/graphql") and requests.append(req.post_data or ""))
    page.goto(f"{sqlite_server}/")
    page.wait_for_selector(".thumb img")
    wait_for(page, "document.querySelectorAll('.thumb img').length > 10 && [...document.querySelectorAll('.thumb img')].slice(0, 10).every(i => i.complete && i.naturalWidth > 0)")
    # The first screens need one request for photos: the buckets and the newest photos together;
    # the facet counts wait until the filters are reached for.
    photo_requests = [r for r in requests if "photos(" in r or "photoTimeline(" in r or "photoFacets(" in r]
    assert len(photo_requests) == 1 and "query Timeline" in photo_requests[0], photo_requests
    page.hover(".more-filters summary")
    page.wait_for_selector("form.filters[data-facets]")
    assert page.locator(".summary").inner_text() == "3,000 photos"
    screenshot(page, "timeline-grid")
    # Only the rows near the viewport are in the page.
    assert page.locator(".thumb").count() < 400
    months = page.locator("#jump-month option").all_inner_texts()[1:]
    assert months[0].startswith("December 2017") and months[-1].startswith("Date unknown (300)")
    # Jump to the oldest month, then to the undated photos at the very end.
    page.select_option("#jump-month", label=months[-2])
    page.wait_for_selector("h2.month:has-text('January 2015')")
    wait_for(page, "[...document.querySelectorAll('.thumb img')].length > 0")
    page.select_option("#jump-month", label=months[-1])
    page.wait_for_selector("h2.month:has-text('Date unknown')")
    wait_for(page, "document.querySelectorAll('.thumb img').length > 20", timeout=30_000)
    assert page.locator(".thumb").count() < 400


def test_the_first_requests_leave_before_the_code_has_loaded(sqlite_server: str, page: Any) -> None:
    seed_library(sqlite_server, 300)
    requests: list[str] = []
    page.on("request", lambda req: req.url.endswith("/graphql") and requests.append(req.post_data or ""))
    held: list[Any] = []
    page.route("**/assets/app-*.js", lambda route: held.append(route))  # the app's code is held back until released
    page.goto(f"{sqlite_server}/", wait_until="commit")
    page.wait_for_event("request", predicate=lambda req: "query Timeline" in (req.post_data or ""))
    page.wait_for_timeout(100)
    assert held, "the app's code was asked for"
    assert len(requests) == 2 and any("query Session" in r for r in requests), requests
    for route in held:
        route.continue_()
    page.unroute("**/assets/app-*.js")
    wait_for(page, "[...document.querySelectorAll('.thumb img')].slice(0, 6).every(i => i.complete && i.naturalWidth > 0)"
                           " && document.querySelectorAll('.thumb img').length >= 6")
    # The app took those answers: it asked neither again.
    assert sum("query Timeline" in r for r in requests) == 1 and sum("query Session" in r for r in requests) == 1, requests
    assert page.locator(".summary").inner_text() == "300 photos"
    # A filtered view asks once its code runs (the early request is for the whole library only).
    requests.clear()
    page.goto(f"{sqlite_server}/?rating=4")
    page.wait_for_selector(".summary:has-text('photos')")
    timeline = [r for r in requests if "query Timeline" in r]
    assert len(timeline) == 1 and '"minRating":4' in timeline[0].replace(" ", ""), timeline


def test_a_large_month_loads_by_day_anywhere(sqlite_server: str, page: Any) -> None:
    seed_library(sqlite_server, 1500, per_day=60)  # 1,350 dated photos in January 2015, 150 undated
    page.goto(f"{sqlite_server}/")
    page.wait_for_selector(".summary:has-text('1,500 photos')")
    assert page.locator("h2.month").first.inner_text().startswith("January 2015")
    # The end of the month, without walking through the pages before it.
    requests: list[str] = []
    page.on("request", lambda req: req.url.endswith("/graphql") and requests.append(req.post_data or ""))
    page.select_option("#jump-month", label="Date unknown (150)")
    page.evaluate("() => { const s = document.querySelector('.timeline-scroll'); s.scrollTop -= s.clientHeight * 1.5; }")
    wait_for(page, "[...document.querySelectorAll('.row .thumb img')].length > 12", timeout=30_000)
    pages = [r for r in requests if "query Page" in r]
    assert 1 <= len(pages) <= 6, len(pages)  # a day or two of January, the undated walk
    # The end of January is read backwards from the undated photos' cursor, not walked to.
    assert any('"last":' in r and '"before":' in r for r in pages), pages
    taken = page.evaluate("[...document.querySelectorAll('.row .thumb img')].map(i => i.alt)")
    assert any("2015-01-0" in t for t in taken), taken[:5]


def test_photo_view_keyboard_and_editing(sqlite_server: str, page: Any) -> None:
    seed_library(sqlite_server, 12)
    page.goto(f"{sqlite_server}/")
    page.locator("a.thumb").first.click()
    dialog = page.locator("dialog.photo-view")
    dialog.wait_for()
    first_url = page.url
    assert "/photo/" in first_url
    assert dialog.locator(".meta").inner_text().count("EOS R5") + dialog.locator(".meta").inner_text().count("D850") + dialog.locator(".meta").inner_text().count("ILCE") == 1
    dialog.locator("details summary").first.click()  # the first file's EXIF
    assert "DateTimeOriginal" in dialog.locator(".files").inner_text() or "Model" in dialog.locator(".files").inner_text()
    shown = "(h) => document.querySelector('dialog.photo-view .meta code')?.textContent === h"
    page.keyboard.press("ArrowRight")
    wait_for(page, f"location.href !== {first_url!r}")
    second = page.url.rsplit("/", 1)[1]
    wait_for(page, shown, arg=second)
    page.keyboard.press("ArrowLeft")
    wait_for(page, f"location.href === {first_url!r}")
    wait_for(page, shown, arg=first_url.rsplit("/", 1)[1])

    hothash = first_url.rsplit("/", 1)[1]
    page.fill("#e-title", "Sunrise over the fjord")
    page.fill("#e-description", "Cold, clear morning")
    page.fill("#e-tags", "Norway, dawn")
    page.locator(".stars label", has_text="★★★★").nth(0).click()
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#toast.show:has-text('Saved.')")
    saved = data(HttpGraphQL(sqlite_server).execute(PHOTO, {"h": hothash}))["photo"]
    assert saved == {"title": "Sunrise over the fjord", "description": "Cold, clear morning", "tags": ["Norway", "dawn"], "rating": 4}
    screenshot(page, "photo-view")
    page.keyboard.press("ArrowRight")  # on to the next photo, and closed there
    wait_for(page, f"location.pathname === '/photo/{second}'")
    page.keyboard.press("Escape")
    wait_for(page, "!location.pathname.startsWith('/photo/')")
    assert page.locator("dialog.photo-view").count() == 0
    assert second != hothash
    # The keyboard goes on from the photo last shown: its thumbnail has the focus, not the page.
    wait_for(page, "(h) => document.activeElement?.dataset?.hothash === h", arg=second)
    # The grid by keyboard: arrows move between thumbnails, Enter opens one.
    page.locator("a.thumb").first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.dataset.hothash")
    cols = page.evaluate("document.querySelector('.row').children.length")
    assert focused == page.locator("a.thumb").nth(cols + 1).get_attribute("data-hothash")
    page.keyboard.press("Enter")
    wait_for(page, f"location.pathname === '/photo/{focused}'")


def test_filters_live_in_the_url(sqlite_server: str, page: Any) -> None:
    seed_library(sqlite_server, 30)
    page.goto(f"{sqlite_server}/?camera=NIKON%20D850")
    page.wait_for_selector(".summary:has-text('10 photos')")
    assert page.input_value("#f-camera") == "NIKON D850"
    assert page.locator(".more-filters summary").inner_text().startswith("Filters (1)")  # one filter of the panel set
    page.locator(".more-filters summary").click()
    page.fill("#f-camera", "EOS R5")
    page.get_by_role("button", name="Apply").click()
    wait_for(page, "location.search.includes('camera=EOS+R5')")
    page.wait_for_selector(".summary:has-text('10 photos')")
    page.select_option("#f-gps", "1")
    wait_for(page, "location.search.includes('gps=1')")
    page.wait_for_selector(".summary:has-text('3 photos')")  # i = 0, 12, 24 are EOS R5 with a position
    page.go_back()
    page.wait_for_selector(".summary:has-text('10 photos')")
    page.get_by_role("button", name="Clear filters").click()
    page.wait_for_selector(".summary:has-text('30 photos')")


def test_select_many_tag_undo_and_delete(sqlite_server: str, page: Any) -> None:
    hothashes = seed_library(sqlite_server, 9)
    gql = HttpGraphQL(sqlite_server)
    page.goto(f"{sqlite_server}/")
    page.get_by_role("button", name="Select").click()
    thumbs = page.locator("a.thumb")
    thumbs.nth(0).click()
    thumbs.nth(1).click()
    assert page.locator(".bulk .count").inner_text() == "2 selected"
    # The photos the page holds as selected, not whichever thumbs sit first now.
    chosen = page.locator("a.thumb[aria-checked=true]").evaluate_all("els => els.map(a => a.dataset.hothash)")
    assert len(chosen) == 2, chosen
    page.fill("#bulk-tag", "Family")
    page.get_by_role("button", name="Tag", exact=True).click()
    page.wait_for_selector("#toast.show:has-text('Tagged')")
    for h in chosen:
        assert data(gql.execute(PHOTO, {"h": h}))["photo"]["tags"] == ["Family"]
    page.get_by_role("button", name="Undo").click()
    page.wait_for_selector("#toast.show:has-text('Undone.')")
    for h in chosen:
        assert data(gql.execute(PHOTO, {"h": h}))["photo"]["tags"] == []
    page.get_by_role("button", name="Delete…").click()
    page.get_by_role("button", name="Keep them").click()
    assert all(data(gql.execute(PHOTO, {"h": h}))["photo"] for h in chosen)
    page.get_by_role("button", name="Delete…").click()
    page.locator("dialog.confirm").get_by_role("button", name="Delete", exact=True).click()
    page.wait_for_selector(".summary:has-text('7 photos')")
    assert [data(gql.execute(PHOTO, {"h": h}))["photo"] for h in chosen] == [None, None]
    assert len(hothashes) == 9


def test_the_tools_take_one_line_and_the_filters_open_from_the_keyboard(sqlite_server: str, page: Any) -> None:
    seed_library(sqlite_server, 30)
    page.goto(f"{sqlite_server}/")
    page.wait_for_selector(".summary:has-text('30 photos')")
    # The count comes with the buckets; the first row's thumbnails come with the page after it
    # (a CI run once measured before any was drawn).
    page.wait_for_selector(".thumb")
    # At 1280 x 860 the search, the filters' button, the count, the month menu and Select share
    # one line, so the grid starts high enough for four rows of thumbnails.
    tools = page.locator(".timeline-tools").bounding_box()
    assert tools is not None and tools["height"] < 60, tools
    assert not page.locator("#f-camera").is_visible()
    view = page.evaluate("document.querySelector('.timeline-scroll').clientHeight")
    cell = page.evaluate("document.querySelector('.thumb').getBoundingClientRect().height")
    assert view >= 3.6 * cell, (view, cell)
    screenshot(page, "timeline-tools")
    # Keyboard: Tab from the search reaches the filters' button; Enter opens them over the grid
    # (which does not move); Escape closes them and leaves the focus on the button.
    page.focus("#f-q")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('.more-filters summary')")
    grid_top = page.locator(".timeline-scroll").bounding_box()["y"]
    page.keyboard.press("Enter")
    assert page.locator("#f-camera").is_visible() and page.get_by_label("Camera").is_visible()
    assert page.locator(".timeline-scroll").bounding_box()["y"] == grid_top
    screenshot(page, "timeline-filters-open")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-camera"
    page.keyboard.press("Escape")
    assert not page.locator("#f-camera").is_visible()
    assert page.evaluate("document.activeElement.matches('.more-filters summary')")


def test_the_scrubber_thins_its_year_labels_so_none_overlap(sqlite_server: str, page: Any) -> None:
    seed_library(sqlite_server, 3000)  # 2015-2017, many photos a year
    seed_library(sqlite_server, 5, start_year=2000, per_day=1, days_apart=336, first=3000)  # one photo a year, 2000-2004
    page.goto(f"{sqlite_server}/")
    page.wait_for_selector(".summary:has-text('3,005 photos')")
    labels = page.evaluate("""[...document.querySelectorAll('.scrubber a')].map(a => {
        const r = a.getBoundingClientRect(); return { text: a.textContent, top: r.top, bottom: r.bottom }; })""")
    scrubber = page.locator(".scrubber").bounding_box()
    texts = [label["text"] for label in labels]
    assert texts[0] == "2017" and "2016" in texts and "2015" in texts, texts
    assert len(texts) < 9, texts  # 2017-2015, 2004-2000 and the undated: some had to go
    assert texts[-1] == "?", texts  # the undated photos (300) outrank the years of one photo
    for above, below in zip(labels, labels[1:]):
        assert above["bottom"] <= below["top"], (above, below)
    assert all(scrubber["y"] <= label["top"] and label["bottom"] <= scrubber["y"] + scrubber["height"] + 0.5 for label in labels)
    screenshot(page, "timeline-scrubber")
    # A label still jumps to its year.
    page.locator(".scrubber a", has_text="2016").click()
    page.wait_for_selector("h2.month:has-text('2016')")


def test_a_jump_shows_the_months_heading_and_its_photos(sqlite_server: str, page: Any) -> None:
    seed_library(sqlite_server, 3000)
    page.goto(f"{sqlite_server}/")
    page.wait_for_selector(".summary:has-text('3,000 photos')")
    months = page.locator("#jump-month option").all_inner_texts()[1:]
    for label in (months[len(months) // 2], months[-2], months[1]):
        name = label.rsplit(" (", 1)[0]  # "June 2016 (84)" -> "June 2016"
        page.select_option("#jump-month", label=label)
        heading = page.locator("h2.month", has_text=name)
        heading.wait_for()
        scroller = page.locator(".timeline-scroll").bounding_box()
        box = heading.bounding_box()
        assert scroller["y"] - 1 <= box["y"] and box["y"] + box["height"] <= scroller["y"] + scroller["height"], (name, box, scroller)
        # The month's first row: its photos are loaded, drawn, and in view under the heading.
        section = page.evaluate("(name) => [...document.querySelectorAll('h2.month')].find(h => h.textContent.startsWith(name)).id", name)
        index = months.index(label)
        first_row = f".row[data-section='{index}'][data-row='0'] img"
        wait_for(page, "(sel) => { const imgs = [...document.querySelectorAll(sel)];"
                               " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }", arg=first_row)
        for img in page.locator(first_row).all():
            r = img.bounding_box()
            assert r is not None and r["y"] >= box["y"] + box["height"] - 1 and r["y"] + r["height"] <= scroller["y"] + scroller["height"] + 1, (name, r)
        month, year = name.split()
        number = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December"].index(month) + 1
        assert section and page.evaluate("(sel) => document.querySelector(sel).alt", first_row).startswith(
            f"Photo taken {year}-{number:02d}-")


def test_photo_view_names_the_camera_once_and_the_orientation_in_words(sqlite_server: str, page: Any) -> None:
    import base64

    from tests.support.media import distinct_jpegs, exif_blob, sha256

    gql = HttpGraphQL(sqlite_server)
    cameras = [("NIKON CORPORATION", "NIKON D850", 6), ("Canon", "Canon EOS 40D", 8), ("SONY", "ILCE-7M3", None)]
    previews = distinct_jpegs(len(cameras), prefix="camera-name")
    groups = [{"hotpreview": base64.b64encode(preview).decode(),
               "images": [{"filename": f"C{n}.JPG", "exifData": base64.b64encode(exif_blob(make=make, model=model, orientation=turn)).decode()}]}
              for n, (preview, (make, model, turn)) in enumerate(zip(previews, cameras))]
    data(gql.execute("mutation($input: BatchImportInput!) { importBatch(input: $input) { photosCreated } }",
                     {"input": {"photoGroups": groups}}))
    shown = []
    for preview in previews:
        page.goto(f"{sqlite_server}/photo/{sha256(preview)}")
        meta = page.locator("dialog.photo-view .meta")
        meta.wait_for()
        terms = meta.locator("dt").all_inner_texts()
        values = meta.locator("dd").all_inner_texts()
        shown.append((values[terms.index("Camera")], values[terms.index("Orientation")] if "Orientation" in terms else None))
    assert shown == [("NIKON D850", "Rotate 90 CW (6)"), ("Canon EOS 40D", "Rotate 270 CW (8)"), ("SONY ILCE-7M3", None)]
