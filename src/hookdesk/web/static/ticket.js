// The console's ticket page: Ctrl+Enter sends; j/k next/previous ticket, r reply, a assign,
// e resolve, ? this help (the letters only outside fields); the saved-reply picker inserts at
// the cursor; the reply box tells the live updates whether a reply is being written; this
// ticket's events update the conversation at once.
(function () {
  "use strict";

  function typing(element) {
    return element instanceof HTMLElement &&
      (element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function follow(id) {
    const link = byId(id);
    if (link) window.location.assign(link.href);
  }

  function focus(id) {
    const field = byId(id);
    if (field) {
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  }

  function resolve() {
    // Looked up each time: the live updates swap the controls in again.
    const form = byId("resolve-form");
    if (form) form.requestSubmit();
  }

  const help = byId("shortcuts");
  const keys = {
    j: () => follow("next-ticket"),
    k: () => follow("previous-ticket"),
    r: () => focus("f-reply"),
    a: () => focus("f-teammate_id"),
    e: resolve,
    "?": () => help.showModal(),
  };

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      if (target instanceof HTMLTextAreaElement && target.form) {
        event.preventDefault();
        target.form.requestSubmit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(target) || help.open) return;
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  // The feedback ("Resolved.") and an inserted saved reply are shown once: a reload or a link
  // copied from the address bar does not show them again.
  if (window.location.search) window.history.replaceState(null, "", window.location.pathname);

  const showHelp = byId("show-shortcuts");
  showHelp.hidden = false;
  showHelp.addEventListener("click", () => help.showModal());

  // This ticket's events (the account's stream, as the inbox follows it) update the conversation
  // at once; the poll every 3 seconds still brings what no event tells (notes, tags, who is here).
  const live = byId("ticket-live");
  if (window.EventSource) {
    const stream = new EventSource(live.dataset.stream);
    const changed = (event) => {
      const conversation = byId("conversation");
      if (JSON.parse(event.data).ticket_id === live.dataset.ticket && conversation) {
        window.htmx.trigger(conversation, "ticket-changed");
      }
    };
    for (const name of live.dataset.events.split(" ")) stream.addEventListener(name, changed);
  }

  const reply = byId("f-reply");
  const replying = byId("replying");
  function markReplying() {
    replying.value = reply.value.trim() ? "1" : "";
  }
  reply.addEventListener("input", markReplying);

  // The picker: the saved reply, filled in for this ticket, inserted where the cursor is.
  const picker = document.querySelector("form[data-saved-replies]");
  if (picker) {
    picker.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = picker.elements.namedItem("saved_reply").value;
      const answer = await fetch(picker.dataset.savedReplies + encodeURIComponent(chosen));
      if (!answer.ok) {
        picker.submit(); // the page says what went wrong
        return;
      }
      const text = await answer.text();
      reply.setRangeText(text, reply.selectionStart, reply.selectionEnd, "end");
      reply.focus();
      markReplying();
    });
  }
})();
