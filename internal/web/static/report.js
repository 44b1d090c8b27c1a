// With JavaScript the desa list offers only the chosen kecamatan's desa, and
// the contact details appear only when contact is wanted. Without it the
// form works the same, with every desa grouped by kecamatan.
//
// The full desa list comes inside <noscript>, which a browser running this
// script keeps as text: the page's first render builds no option for it
// (hundreds of them were most of a cheap phone's first layout), and the list
// is parsed only once a kecamatan is chosen.
(function () {
  "use strict";
  var kec = document.getElementById("kecamatan");
  var list = document.getElementById("desa-list");
  if (kec && list) {
    var all = null;
    var groups = function () {
      if (!all) {
        var t = document.createElement("template");
        t.innerHTML = list.textContent;
        all = t.content;
      }
      return all;
    };
    var desa = document.createElement("select");
    desa.id = "desa";
    desa.name = "desa";
    var err = document.getElementById("e-desa");
    if (err) desa.setAttribute("aria-describedby", "e-desa");
    var none = document.createElement("option");
    none.value = "";
    none.textContent = list.getAttribute("data-none");
    desa.appendChild(none);
    list.parentNode.insertBefore(desa, list);
    var follow = function () {
      while (desa.lastChild !== none) desa.removeChild(desa.lastChild);
      if (!kec.value) return;
      var g = groups().querySelector('optgroup[data-k="' + kec.value + '"]');
      if (g) desa.appendChild(g.cloneNode(true));
    };
    kec.addEventListener("change", follow);
    follow();
  }
  var box = document.querySelector(".contact");
  var radios = document.querySelectorAll("input[name=contact]");
  var show = function () {
    var yes = document.querySelector("input[name=contact][value=ya]");
    if (box && yes) box.hidden = !yes.checked;
  };
  for (var j = 0; j < radios.length; j++) radios[j].addEventListener("change", show);
  show();
})();
