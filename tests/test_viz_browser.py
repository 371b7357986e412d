"""The interactive page in a real browser: step through every gate, check the numbers against the engine's."""

import os

import pytest

import chainrule as cr
from chainrule.viz import html_page, recording, trace

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason=f"no browser at {CHROMIUM}: install Debian's chromium (apt-get install -y chromium) to run the page test",
)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (never `playwright install`)")
    pw = sync_api.sync_playwright().start()
    b = pw.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    )
    yield b
    b.close()
    pw.stop()


def _numbers(page):
    return page.eval_on_selector_all(
        "#step-numbers .num",
        "els => els.map(e => [e.dataset.role, e.dataset.value === undefined ? null : Number(e.dataset.value), e.textContent])",
    )


def test_page_walks_forward_then_backward_with_the_engines_numbers(browser, tmp_path):
    with recording():
        x = cr.tensor(1.5, requires_grad=True, name="x")
        y = cr.tensor(-2.0, requires_grad=True, name="y")
        f = cr.sin(x * y) + x / y
        f.backward()
    path = tmp_path / "page.html"
    path.write_text(html_page(f))
    tr = trace(f)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:") else route.continue_())
    page.goto(path.as_uri())
    n_forward = 4  # multiply, sin, divide, add (the order Python ran them)
    total = 1 + n_forward + len(tr.steps)
    assert page.text_content("#counter") == f"0 / {total - 1}"
    assert page.is_disabled("#prev")
    # the forward pass: each gate's output value, as the engine computed it
    forward_out = []
    for _ in range(n_forward):
        page.click("#next")
        assert page.text_content("#phase") == "forward"
        nums = _numbers(page)
        forward_out.append(nums[-1][1])
        assert page.eval_on_selector_all(".node.current", "els => els.length") == 1
    assert forward_out == [-3.0, float(cr.sin(cr.tensor(-3.0)).data), -0.75, float(f.data)]
    # the backward pass: upstream x local = downstream, exactly the engine's numbers, step by step
    for step in tr.steps:
        page.click("#next")
        assert page.text_content("#phase") == "backward"
        nums = {role: (value, text) for role, value, text in _numbers(page)}
        assert nums["downstream"][0] == float(step.grad)
        if step.kind == "chain":
            assert nums["upstream"][0] == float(step.upstream)
            assert nums["local"][0] == float(step.local)
            assert step.gate in page.text_content("#step-title")
            assert page.eval_on_selector_all(".edge.current", "els => els.length") == 1
    assert nums["downstream"][0] == float(y.grad)  # the last step: y's fan-out sum
    assert page.is_disabled("#next")
    assert page.text_content("#step-formula") == tr.steps[-1].text
    # arrow keys and reset
    page.keyboard.press("ArrowLeft")
    assert page.text_content("#counter") == f"{total - 2} / {total - 1}"
    page.keyboard.press("ArrowRight")
    assert page.text_content("#counter") == f"{total - 1} / {total - 1}"
    page.click("#reset")
    assert page.text_content("#counter") == f"0 / {total - 1}"
    assert page.eval_on_selector_all(".current", "els => els.length") == 0
    # hovering a leaf shows its full value and gradient
    leaf_id = next(n.id for n in tr.graph.nodes if n.label == "x")
    page.hover(f"#{leaf_id}")
    assert page.is_visible("#hover")
    text = page.text_content("#hover")
    assert "value: 1.5" in text and f"gradient: {float(x.grad)!r}" in text
    assert errors == []
    page.close()
