// Starts the client: sign-in, the session bar, and the views chosen by the URL fragment
// (#/worklist, #/notes/<id>), so the browser's back button and links work without a server route.

import { getKey, setKey } from "./api.js";
import { byId, clearError, cloneTemplate, showError } from "./dom.js";
import { installKeys, setShortcuts } from "./keys.js";
import { showNote } from "./note.js";
import { installPicker } from "./picker.js";
import { installReasons } from "./reasons.js";
import { can, currentUser, forgetMe, loadMe } from "./session.js";
import { showWorklist } from "./worklist.js";

const main = byId("main");

function showSession(user) {
  byId("nav").hidden = !user;
  byId("session").hidden = !user;
  byId("session-who").textContent = user ? `Signed in as ${user.name} (${user.role})` : "";
}

// The worklist is the client's home: a key whose role cannot read it cannot use the client.
async function signedInUser() {
  const user = currentUser() ?? (await loadMe());
  if (!can("worklist:read")) {
    forgetMe();
    throw Object.assign(new Error(`A ${user.role} key cannot review notes; sign in with a coder key.`), { status: 401 });
  }
  return user;
}

function showSignIn(message) {
  setKey(null);
  forgetMe();
  showSession(null);
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
      await signedInUser(); // proves the key and its role before showing anything
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
  const match = location.hash.match(/^#\/notes\/([^/?]+)/);
  try {
    showSession(await signedInUser());
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
