// Pickers: while the user types into a field marked data-pick="org|region|person", suggestions
// are read from /pick/<kind> and offered in a datalist; choosing one puts its code (or, for a
// person, "姓名 #编号") in the field. Without this script the same fields still take a name, a
// code or pinyin initials, and the server names back the candidates when the text is ambiguous.
(function () {
  'use strict';
  var kinds = { org: 'orgs', region: 'regions', person: 'people' };
  var count = 0;
  document.querySelectorAll('input[data-pick]').forEach(function (input) {
    var kind = kinds[input.getAttribute('data-pick')];
    if (!kind) return;
    var list = document.createElement('datalist');
    count += 1;
    list.id = 'pick-' + count;
    input.insertAdjacentElement('afterend', list);
    input.setAttribute('list', list.id);
    input.setAttribute('autocomplete', 'off');
    var timer = null;
    var asked = '';
    input.addEventListener('input', function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var q = input.value.trim();
        if (q === '' || q === asked) return;
        asked = q;
        fetch('/pick/' + kind + '?q=' + encodeURIComponent(q), {
          credentials: 'same-origin',
          headers: { Accept: 'application/json' }
        })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (choices) {
            if (input.value.trim() !== q) return;
            var options = choices.map(function (c) {
              var o = document.createElement('option');
              o.value = c.value;
              o.label = c.label;
              return o;
            });
            list.replaceChildren.apply(list, options);
          })
          .catch(function () { /* suggestions are a convenience: the field still works */ });
      }, 200);
    });
  });
})();
