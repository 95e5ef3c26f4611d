// The upload page: when several sound files are chosen, each gets its own title, storyteller and consent
// fields (file-<n>-…, read by stories/batch.py) before anything is sent. Without JavaScript every file
// takes the shared fields of steps 2 and 3.
"use strict";

(function () {
  const input = document.querySelector("input[type=file][name=audio]");
  const box = document.getElementById("each-file");
  if (!input || !box) return;
  const choices = (name) => Array.from(document.querySelectorAll(`input[name=${name}]`)).map((el) => {
    const label = document.querySelector(`label[for="${el.id}"]`);
    return { value: el.value, text: label ? label.textContent.trim() : el.value };
  });
  const roles = choices("storyteller_role"), scopes = choices("consent_scopes");
  const make = (tag, props, ...children) => {
    const el = Object.assign(document.createElement(tag), props || {});
    children.forEach((c) => el.append(c));
    return el;
  };
  const labelled = (id, text, control) => make("div", { className: "field" },
    make("label", { htmlFor: id, textContent: text }), control);
  const select = (id, name, first, options) => {
    const el = make("select", { id, name }, make("option", { value: "", textContent: first }));
    options.forEach((o) => el.append(make("option", { value: o.value, textContent: o.text })));
    return el;
  };

  function fileFields(file, n) {
    const key = `file-${n}-`, number = n + 1;
    const title = make("input", { id: key + "title", name: key + "title", type: "text", maxLength: 200 });
    const role = select(key + "role", key + "storyteller_role", "As in step 2", roles);
    const consent = select(key + "consent", key + "consent", "As in step 3",
      [{ value: "own", text: "Only what is ticked here" }]);
    const list = make("div", { className: "checkbox-list" });
    const ticks = make("fieldset", { className: "field", hidden: true },
      make("legend", { textContent: `What the storyteller of file ${number} said yes to` }), list);
    scopes.forEach((s) => {
      const id = `${key}scope-${s.value}`;
      list.append(make("div", { className: "checkbox" },
        make("input", { type: "checkbox", id, name: key + "consent_scopes", value: s.value }),
        make("label", { htmlFor: id, textContent: s.text })));
    });
    consent.addEventListener("change", () => { ticks.hidden = consent.value !== "own"; });
    return make("fieldset", { className: "panel each-file-fields" },
      make("legend", { textContent: `File ${number}: ${file.name}` }),
      labelled(key + "title", `Title for file ${number} (leave it empty to use the title in step 2)`, title),
      labelled(key + "role", `Who told the story in file ${number}`, role),
      labelled(key + "consent", `Consent for file ${number}`, consent), ticks);
  }

  input.addEventListener("change", () => {
    box.replaceChildren();
    const files = Array.from(input.files || []);
    box.hidden = files.length < 2;
    if (files.length < 2) return;
    box.append(make("p", { className: "hint", textContent:
      "Give each file its own title, storyteller and consent here, or leave them to use steps 2 and 3." }));
    files.forEach((file, n) => box.append(fileFields(file, n)));
  });
})();
