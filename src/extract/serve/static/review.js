// The review page: highlight an item's source in the document text, filter items, collect a
// person's corrections and save them as a golden file. Plain JavaScript, no dependencies.
(function () {
  "use strict";
  var root = document.getElementById("review");
  var textPane = document.getElementById("doc-text");
  var fullText = textPane.textContent;
  var pages = JSON.parse(root.dataset.pages || "[]");

  // Rebuild the text pane with <mark>s over the spans (UTF-16 offsets into the text).
  function highlight(spans) {
    var sorted = spans.slice().sort(function (a, b) { return a.start - b.start; });
    var fragment = document.createDocumentFragment();
    var position = 0;
    sorted.forEach(function (span) {
      var start = Math.max(span.start, position), end = Math.min(span.end, fullText.length);
      if (end <= start) { return; }
      fragment.appendChild(document.createTextNode(fullText.slice(position, start)));
      var mark = document.createElement("mark");
      mark.textContent = fullText.slice(start, end);
      fragment.appendChild(mark);
      position = end;
    });
    fragment.appendChild(document.createTextNode(fullText.slice(position)));
    textPane.replaceChildren(fragment);
    var first = textPane.querySelector("mark");
    if (first) { first.scrollIntoView({block: "center"}); }
    return first;
  }

  // The page image of the item's first source with a page; a box over its quote when found.
  function showPage(spans) {
    var image = document.getElementById("page-image");
    var withPage = spans.filter(function (s) { return s.page; })[0];
    if (!image || !withPage || pages.indexOf(withPage.page) < 0) { return; }
    image.src = root.dataset.pageUrl + withPage.page + ".png";
    document.getElementById("page-number").textContent = withPage.page;
    var box = document.getElementById("page-box");
    var where = withPage.box;
    box.hidden = !where;
    if (!where) { return; }
    box.style.left = (100 * where[1]) + "%";
    box.style.top = (100 * where[2]) + "%";
    box.style.width = (100 * (where[3] - where[1])) + "%";
    box.style.height = (100 * (where[4] - where[2])) + "%";
    var figure = document.getElementById("page-view");
    figure.scrollTop = Math.max(0, where[2] * image.clientHeight - figure.clientHeight / 3);
  }

  function select(item) {
    document.querySelectorAll(".item.active").forEach(function (el) { el.classList.remove("active"); });
    item.classList.add("active");
    var spans = JSON.parse(item.dataset.spans || "[]");
    var status = document.getElementById("save-result");
    status.textContent = spans.length ? "" : root.dataset.msgNoSource;
    highlight(spans);
    showPage(spans);
  }

  document.querySelectorAll(".item .show-source").forEach(function (button) {
    button.addEventListener("click", function () { select(button.closest(".item")); });
  });

  // Filters: items with problems, items of low-confidence OCR.
  function applyFilters() {
    var problems = document.getElementById("filter-problems").checked;
    var ocr = document.getElementById("filter-ocr").checked;
    document.querySelectorAll("article.item").forEach(function (item) {
      var hidden = (problems && item.dataset.problem !== "1") || (ocr && item.dataset.lowConfidence !== "1");
      item.hidden = hidden;
    });
  }
  document.getElementById("filter-problems").addEventListener("change", applyFilters);
  document.getElementById("filter-ocr").addEventListener("change", applyFilters);

  // Edits: a field differs from what was extracted; an item is marked wrong.
  document.querySelectorAll("[data-path]").forEach(function (input) {
    ["input", "change"].forEach(function (kind) {
      input.addEventListener(kind, function () {
        input.classList.toggle("changed", input.value !== input.dataset.original);
      });
    });
  });
  document.querySelectorAll("input[data-wrong]").forEach(function (box) {
    box.addEventListener("change", function () {
      var holder = box.closest("fieldset") || box.closest(".item");
      holder.classList.toggle("marked-wrong", box.checked);
    });
  });

  function submission() {
    var corrections = [];
    document.querySelectorAll("[data-path]").forEach(function (input) {
      if (input.value !== input.dataset.original) {
        corrections.push({path: input.dataset.path, value: input.value});
      }
    });
    var wrong = [];
    document.querySelectorAll("input[data-wrong]:checked").forEach(function (box) { wrong.push(box.dataset.wrong); });
    return {reviewer: document.getElementById("reviewer").value.trim(), corrections: corrections, wrong: wrong};
  }

  document.getElementById("save").addEventListener("click", function () {
    var status = document.getElementById("save-result");
    var body = submission();
    if (!body.reviewer) { status.textContent = root.dataset.msgReviewer; status.className = "error"; return; }
    status.textContent = "…";
    fetch(root.dataset.saveUrl, {method: "POST", headers: {"Content-Type": "application/json"},
                                 body: JSON.stringify(body)})
      .then(function (response) { return response.json().then(function (data) { return [response.ok, data]; }); })
      .then(function (result) {
        var ok = result[0], data = result[1];
        status.className = ok ? "ok" : "error";
        status.textContent = ok ? root.dataset.msgSaved + ": " + data.golden
                                : root.dataset.msgFailed + ": " + (data.message || data.code);
        status.dataset.golden = ok ? data.golden : "";
      })
      .catch(function (error) { status.className = "error"; status.textContent = root.dataset.msgFailed + ": " + error; });
  });
})();
