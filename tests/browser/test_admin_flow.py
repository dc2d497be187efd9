"""A person's path through the UI: log in, switch to Korean, visit the admin pages, run the exercise."""
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD


def wait_for_next_page(browser, page):
    """Waits until `page` (the old page's html element) has been replaced by the next page.

    Asked while Chromium is swapping documents, chromedriver can answer "Node with given id does not
    belong to the document" (a plain WebDriverException, not a stale element); that means the swap is
    under way, so it is asked again rather than failing the test. A page that never changes still
    fails, after 15 s."""
    WebDriverWait(browser, 15, ignored_exceptions=[WebDriverException]).until(expected_conditions.staleness_of(page))


def submit(browser, button):
    """Clicks a form's button and waits until the next page has replaced this one."""
    page = browser.find_element(By.TAG_NAME, "html")
    button.click()
    wait_for_next_page(browser, page)


def log_in(browser, server, username):
    browser.get(server + "/login")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]"))


def test_admin_logs_in_switches_to_korean_and_loads_admin_pages(browser, server):
    log_in(browser, server, "admin")
    assert browser.current_url.endswith("/exercises")
    assert "Cyber Marvel demo" in browser.page_source

    # Switch the language; the choice is remembered across pages.
    submit(browser, browser.find_element(By.CSS_SELECTOR, "button[name=locale][value=ko]"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    assert "훈련" in browser.find_element(By.TAG_NAME, "h1").text

    for path, heading in [
        ("/exercises/marvel-demo", "사이버 마블 시연"),
        ("/exercises/marvel-demo/settings", "설정 및 일정"),
        ("/exercises/marvel-demo/teams", "팀 및 구성원"),
        ("/exercises/marvel-demo/teams/blue-kr", "대한민국"),
        ("/exercises/marvel-demo/audit", "감사 기록"),
        ("/admin/users", "사용자"),
        ("/admin/import", "훈련 파일 가져오기"),
        ("/admin/audit", "감사 기록"),
        ("/account", "계정"),
    ]:
        browser.get(server + path)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko", path
        assert heading in browser.find_element(By.TAG_NAME, "h1").text, path

    # Start the exercise from its home page; the state and the audit trail follow.
    browser.get(server + "/exercises/marvel-demo")
    submit(browser, browser.find_element(By.XPATH, "//form[.//input[@name='state' and @value='running']]//button"))
    assert "진행 중" in browser.find_element(By.CSS_SELECTOR, ".exercise-head").text
    # The clock ticks by itself while the exercise runs (its script once ran before the page existed).
    clock = browser.find_element(By.CSS_SELECTOR, ".clock .clock-value")
    shown = clock.text
    WebDriverWait(browser, 5).until(lambda _: clock.text != shown)
    browser.get(server + "/exercises/marvel-demo/audit?action=exercise.state")
    assert "draft → running" in browser.page_source

    # Back to English for the next person on this machine.
    submit(browser, browser.find_element(By.CSS_SELECTOR, "button[name=locale][value=en]"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"


def test_blue_member_sees_their_team_but_not_admin_pages(browser, server):
    log_in(browser, server, "kr-lead")
    browser.get(server + "/exercises/marvel-demo")
    assert "대한민국" in browser.page_source or "Republic of Korea" in browser.page_source
    browser.get(server + "/admin/users")
    assert browser.find_element(By.TAG_NAME, "h1").text in ("Not allowed", "허용되지 않음")
