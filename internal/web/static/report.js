// With JavaScript the desa list shows only the chosen kecamatan's desa, and
// the contact details appear only when contact is wanted. Without it the
// form works the same, with every desa grouped by kecamatan.
(function () {
  "use strict";
  var kec = document.getElementById("kecamatan");
  var desa = document.getElementById("desa");
  if (kec && desa) {
    var groups = desa.querySelectorAll("optgroup");
    var follow = function () {
      for (var i = 0; i < groups.length; i++) {
        var on = groups[i].getAttribute("data-k") === kec.value;
        groups[i].hidden = !on;
        groups[i].disabled = !on;
      }
      var sel = desa.options[desa.selectedIndex];
      if (sel && sel.parentNode.disabled) desa.value = "";
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
