// Starts the client: sign-in, the session bar, and the views chosen by the URL fragment
// (#/worklist, #/notes/<id>), so the browser's back button and links work without a server route.

import { api, getKey, setKey } from "./api.js";
import { byId, clearError, cloneTemplate, showError } from "./dom.js";
import { installKeys, setShortcuts } from "./keys.js";
import { showNote } from "./note.js";
import { installPicker } from "./picker.js";
import { installReasons } from "./reasons.js";
import { showWorklist } from "./worklist.js";

const main = byId("main");

function showSession(signedIn) {
  byId("nav").hidden = !signedIn;
  byId("session").hidden = !signedIn;
  byId("session-who").textContent = signedIn ? "Signed in with a coder key" : "";
}

function showSignIn(message) {
  setKey(null);
  showSession(false);
  setShortcuts([]);
  main.replaceChildren(cloneTemplate("tpl-signin"));
  if (message) showError(message);
  const input = byId("signin-key");
  input.focus();
  byId("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      showError("Enter your API key.");
      return;
    }
    setKey(key);
    try {
      await api.worklist({ limit: 1 }); // proves the key and its role before showing anything
    } catch (error) {
      setKey(null);
      showError(error.message);
      input.select();
      return;
    }
    clearError();
    // replaceState fires no hashchange, so the view is drawn exactly once, here.
    if (!location.hash.startsWith("#/notes/")) history.replaceState(null, "", "#/worklist");
    route();
  });
}

async function route() {
  if (!getKey()) {
    showSignIn();
    return;
  }
  showSession(true);
  const match = location.hash.match(/^#\/notes\/([^/?]+)/);
  try {
    if (match) await showNote(main, decodeURIComponent(match[1]));
    else await showWorklist(main);
    main.focus({ preventScroll: true });
  } catch (error) {
    if (error.status === 401) showSignIn(error.message);
    else showError(error.message);
  }
}

byId("sign-out").addEventListener("click", () => {
  history.replaceState(null, "", location.pathname); // no hashchange: one redraw, below
  showSignIn();
});
byId("error-close").addEventListener("click", clearError);
installKeys();
installPicker();
installReasons();
window.addEventListener("hashchange", () => {
  clearError();
  route();
});
route();
