// Copy buttons: <button data-copy="ID" hidden> copies the text of the element with that id. They
// are hidden until this script runs, so a page without script shows no button that does nothing.
(() => {
  const say = (button, words) => {
    const label = button.querySelector(".copy-label");
    label.textContent = words;
    setTimeout(() => { label.textContent = "Copy"; }, 2000);
  };

  const select = (element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  };

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-copy]");
    const source = button && document.getElementById(button.dataset.copy);
    if (!source) return;
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      say(button, "Copied");
    } catch {
      // No clipboard here (a plain-http page outside localhost): select the text for Ctrl+C.
      select(source);
      say(button, "Selected");
    }
  });

  const show = () => {
    for (const button of document.querySelectorAll("button[data-copy]")) button.hidden = false;
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
})();
