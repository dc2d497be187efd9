"""A blue-team member's path through challenges: the board, a challenge, flags, hints, the scoreboard."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from test_admin_flow import log_in, submit, wait_for_next_page

EXERCISE = "/exercises/marvel-demo"


def start_exercise(browser, server):
    """The demo starts as a draft; flags score only while it runs."""
    log_in(browser, server, "admin")
    browser.get(server + EXERCISE)
    buttons = browser.find_elements(By.XPATH, "//form[.//input[@name='state' and @value='running']]//button")
    if buttons:
        submit(browser, buttons[0])
    browser.delete_all_cookies()


def notice(browser):
    return " ".join(element.text for element in browser.find_elements(By.CSS_SELECTOR, ".notice"))


def test_blue_member_solves_a_challenge_unlocks_hints_and_finds_the_points(browser, server):
    start_exercise(browser, server)
    log_in(browser, server, "ca-lead")

    # The board: categories, values, and a challenge locked behind another.
    browser.get(server + EXERCISE + "/challenges")
    board = browser.page_source
    assert "phishing" in board and "ransomware" in board
    assert "Overdue invoice" in board
    assert "Sender infrastructure" not in board  # anonymous until its prerequisite is solved
    assert "RAMPART{" not in board

    # A challenge: Markdown rendered, attachment offered, the free hint shown once unlocked.
    browser.find_element(By.LINK_TEXT, "Overdue invoice").click()
    assert browser.find_element(By.CSS_SELECTOR, ".markdown em").text == "overdue invoice"
    assert browser.find_element(By.PARTIAL_LINK_TEXT, "invoice-email.eml")
    assert "X-` header" not in browser.page_source and "X- header" not in browser.page_source
    submit(browser, browser.find_element(By.XPATH, "//ul[@class='hints']//form//button"))
    assert "header" in browser.find_element(By.CSS_SELECTOR, "ul.hints .markdown").text

    # A wrong flag, then the right one, trimmed and in another case.
    browser.find_element(By.NAME, "flag").send_keys("RAMPART{guess}")
    submit(browser, browser.find_element(By.XPATH, "//form[.//input[@name='flag']]//button"))
    assert "Incorrect" in notice(browser)
    browser.find_element(By.NAME, "flag").send_keys("  rampart{PHISH_KIT_0203} ")
    submit(browser, browser.find_element(By.XPATH, "//form[.//input[@name='flag']]//button"))
    assert "Correct" in notice(browser)
    assert not browser.find_elements(By.NAME, "flag")  # solved: nothing more to submit

    # Its follow-up is open now.
    browser.get(server + EXERCISE + "/challenges")
    assert "Sender infrastructure" in browser.page_source

    # A costly hint asks first, then takes its points.
    browser.find_element(By.LINK_TEXT, "Ransom note").click()
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.XPATH, "//ul[@class='hints']/li[1]//form//button").click()
    WebDriverWait(browser, 5).until(expected_conditions.alert_is_present())
    browser.switch_to.alert.accept()
    wait_for_next_page(browser, page)
    assert "ransomware family" in browser.find_element(By.CSS_SELECTOR, "ul.hints").text

    # The scoreboard counts it, and the team's own page explains every point.
    browser.get(server + EXERCISE + "/scoreboard")
    assert "Canada" in browser.page_source
    assert browser.find_elements(By.CSS_SELECTOR, "svg")
    browser.get(server + EXERCISE + "/teams/blue-ca/score")
    facts = browser.find_element(By.TAG_NAME, "main").text
    assert "Solved Overdue invoice" in facts
    assert "Unlocked hint 'The family' of Ransom note" in facts
    assert "-50" in facts or "−50" in facts

    # Another team's page is not there for the asking.
    browser.get(server + EXERCISE + "/teams/blue-kr/score")
    assert "Solved" not in browser.find_element(By.TAG_NAME, "main").text


def test_white_team_uploads_an_attachment_that_teams_download_unchanged(browser, server, tmp_path):
    """The upload form streams its file into the database as Chromium sends it (multipart, CSRF token
    first); the download is the same bytes, served as a file that cannot run."""
    import hashlib
    import urllib.request

    payload = bytes(range(256)) * 12_000 + b"<script>alert(1)</script>"  # about 3 MB: three chunks
    path = tmp_path / "evidence; with a semicolon.bin"
    path.write_bytes(payload)
    log_in(browser, server, "admin")
    browser.get(server + EXERCISE + "/challenges")
    browser.find_element(By.LINK_TEXT, "Overdue invoice").click()
    challenge_url = browser.current_url
    browser.find_element(By.ID, "f-file").send_keys(str(path))
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.XPATH, "//form[@enctype='multipart/form-data']//button").click()
    wait_for_next_page(browser, page)
    assert browser.current_url.startswith(challenge_url), browser.current_url
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "evidence; with a semicolon.bin").get_attribute("href")
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(link, headers={"Cookie": cookies})) as response:
        body = response.read()
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(payload).hexdigest()
