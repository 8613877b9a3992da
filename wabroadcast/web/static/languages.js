// Send and schedule forms: the language list shows only the chosen template's languages.
(function () {
  "use strict";
  function filterLanguages(template, language) {
    if (!template || !language || language.tagName !== "SELECT") return;
    var chosen = template.value;
    var keep = null;
    Array.prototype.forEach.call(language.options, function (option) {
      var owner = option.getAttribute("data-template");
      var match = owner === null ? !chosen : owner === chosen;
      option.hidden = !match;
      if (match && !option.disabled && (keep === null || option.selected)) keep = option;
    });
    var current = language.selectedOptions[0];
    if (keep && (!current || current.hidden || current.disabled)) keep.selected = true;
  }
  window.wabroadcastFilterLanguages = filterLanguages;
  Array.prototype.forEach.call(
    document.querySelectorAll("select[data-template-languages]"),
    function (language) {
      var template = language.form && language.form.querySelector("#template");
      if (!template) return;
      // the send page calls it itself, before its preview refresh
      if (language.form.id !== "send-form") {
        template.addEventListener("change", function () { filterLanguages(template, language); });
      }
      filterLanguages(template, language);
    }
  );
})();
