"""Red files a compromise → a judge validates it → blue sees the penalty → blue files an incident report →
a judge grades it → the credit is on the board. Every step through the pages, as people click."""
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from test_admin_flow import log_in, submit
from test_challenge_flow import EXERCISE, notice, start_exercise
from test_every_page import screenshot


def as_user(browser, server, username):
    """Logs in and reads in English (other tests leave their users in Korean)."""
    log_in(browser, server, username)
    if browser.find_element(By.TAG_NAME, "html").get_attribute("lang") != "en":
        submit(browser, browser.find_element(By.CSS_SELECTOR, "button[name=locale][value=en]"))


def category(browser, server, team_name, heading):
    """A team's points in one column of the scoreboard (ticks keep moving the total while the test runs)."""
    browser.get(server + EXERCISE + "/scoreboard")
    headings = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "table thead th")]
    if heading not in headings:
        return 0
    row = browser.find_element(By.XPATH, f"//tr[td[contains(., '{team_name}')]]")
    text = row.find_elements(By.TAG_NAME, "td")[headings.index(heading)].text
    return int(text.replace("−", "-")) if re.search(r"\d", text) else 0


def test_red_files_judge_validates_blue_reports_and_wins_credit_back(browser, server):
    start_exercise(browser, server)

    # Red: the campaign view, then a report against Estonia's shop.
    as_user(browser, server, "red-lead")
    browser.get(server + EXERCISE + "/reports")
    assert "Campaign" in browser.page_source
    assert "Republic of Korea" in browser.page_source  # the demo's validated compromise
    browser.find_element(By.LINK_TEXT, "File a compromise report").click()
    Select(browser.find_element(By.NAME, "team")).select_by_visible_text("Estonia")
    browser.find_element(By.NAME, "asset").send_keys("shop")
    browser.find_element(By.NAME, "techniques").send_keys("t1190, T1059.004")
    Select(browser.find_element(By.NAME, "access_level")).select_by_value("administrator")
    browser.find_element(By.NAME, "persistence").click()
    browser.find_element(By.NAME, "narrative").send_keys("Uploaded a shell via the **invoice** form; kept a cron job.")
    submit(browser, browser.find_element(By.XPATH, "//form[.//textarea[@name='narrative']]//button"))
    report_url = browser.current_url.split("?")[0]
    assert "/compromise-reports/" in report_url
    assert "waiting for a judge" in browser.page_source
    assert "Exploit Public-Facing Application" in browser.page_source
    screenshot(browser, "report-flow-1-red-filed.png")
    browser.delete_all_cookies()

    # A judge: the queue, a claim, then the table's penalty ((100 + 25) × shop's weight 1.5 = 188).
    as_user(browser, server, "judge")
    browser.get(server + EXERCISE + "/judging")
    screenshot(browser, "report-flow-2-queue.png")
    row = browser.find_element(By.XPATH, "//tr[td[contains(., 'Estonia')] and td//a[contains(., 'T1059.004')]]")
    submit(browser, row.find_element(By.XPATH, ".//button"))
    assert browser.current_url == report_url
    assert browser.find_element(By.NAME, "penalty").get_attribute("value") == "188"
    screenshot(browser, "report-flow-3-judge.png")
    submit(browser, browser.find_element(By.XPATH, "//form[.//select[@name='verdict']]//button"))
    assert "−188" in browser.page_source
    browser.delete_all_cookies()

    # Blue: the validated compromise, its penalty on the team's own score page.
    as_user(browser, server, "ee-lead")
    browser.get(server + EXERCISE + "/reports")
    assert "Validated compromises against us" in browser.page_source and "−188" in browser.page_source
    browser.get(server + EXERCISE + "/teams/blue-ee/score")
    assert "−188" in browser.page_source or "-188" in browser.page_source
    assert category(browser, server, "Estonia", "Compromises") == -188

    # Blue reports the incident.
    browser.get(server + EXERCISE + "/incident-reports/new")
    browser.find_element(By.NAME, "title").send_keys("Web shell on the shop")
    browser.find_element(By.NAME, "assets").send_keys("shop")
    browser.find_element(By.NAME, "techniques").send_keys("T1190")
    browser.find_element(By.NAME, "indicators").send_keys("10.66.6.6")
    browser.find_element(By.NAME, "narrative").send_keys("File monitor flagged a PHP file in uploads/.")
    submit(browser, browser.find_element(By.XPATH, "//form[.//textarea[@name='narrative']]//button"))
    incident_url = browser.current_url.split("?")[0]
    assert "/incident-reports/" in incident_url and "waiting for a grade" in browser.page_source
    browser.delete_all_cookies()

    # A judge grades it; the matching compromise is suggested and ticked.
    as_user(browser, server, "judge-kr")
    browser.get(incident_url)
    screenshot(browser, "report-flow-4-grade.png")
    form = browser.find_element(By.XPATH, "//form[.//select[starts-with(@name, 'level-')]]")
    for select in form.find_elements(By.XPATH, ".//select"):
        options = Select(select).options
        Select(select).select_by_index(len(options) - 1)
    boxes = form.find_elements(By.XPATH, ".//input[@type='checkbox' and @name='compromise[]']")
    assert any(box.is_selected() for box in boxes), "the validated compromise it covers is suggested"
    submit(browser, form.find_element(By.XPATH, ".//button"))
    assert "graded" in browser.page_source
    browser.delete_all_cookies()

    # The credit on the board: 65 by the rubric and half the penalty (94) back.
    as_user(browser, server, "ee-lead")
    assert category(browser, server, "Estonia", "Compromises") == -188 + 94
    assert category(browser, server, "Estonia", "Incident reports") == 65
    browser.get(server + EXERCISE + "/teams/blue-ee/score")
    assert "+94" in browser.page_source and "+65" in browser.page_source
    screenshot(browser, "report-flow-5-blue-score.png")
