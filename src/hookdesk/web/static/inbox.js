// The inbox follows the account's ticket events (GET /console/stream, server-sent events) and
// fetches its list again after each burst of them: the same URL, so the same view, filters,
// order and page, asked with HX-Request for the list alone. Ticked tickets stay ticked.
(() => {
  "use strict";
  const live = document.getElementById("inbox-live");
  if (!live) return;
  const boxes = () => live.querySelectorAll('input[name="ticket_id"]');
  let waiting = null;

  async function refresh() {
    waiting = null;
    const answer = await fetch(location.href, { headers: { "HX-Request": "true" } });
    // Sent to the sign-in page (the session ended): keep the list as it is.
    if (!answer.ok || answer.redirected) return;
    const ticked = new Set([...boxes()].filter((box) => box.checked).map((box) => box.value));
    live.innerHTML = await answer.text();
    for (const box of boxes()) box.checked = ticked.has(box.value);
  }

  // Several events at once (a bulk change) make one fetch.
  function changed() {
    if (waiting === null) waiting = setTimeout(refresh, 250);
  }

  live.addEventListener("change", (event) => {
    if (event.target.id !== "pick-all") return;
    for (const box of boxes()) box.checked = event.target.checked;
  });

  if (!window.EventSource) return;
  const stream = new EventSource(live.dataset.stream);
  for (const name of live.dataset.events.split(" ")) stream.addEventListener(name, changed);
})();
