// The fault report form: the chosen account's address, and the phone's location.
(function () {
  "use strict";
  const addresses = JSON.parse(document.getElementById("account-addresses")?.textContent || "{}");
  const account = document.querySelector("[name=account]");
  const address = document.querySelector("[name=address]");
  if (account && address) {
    account.addEventListener("change", function () {
      // Only replace an address the customer has not written themselves.
      if (!address.value || Object.values(addresses).includes(address.value)) {
        address.value = addresses[account.value] || "";
      }
    });
  }
  const button = document.querySelector("[data-locate]");
  const status = document.querySelector("[data-locate-status]");
  const lat = document.querySelector("[name=latitude]");
  const lon = document.querySelector("[name=longitude]");
  if (!button || !status || !lat || !lon) return;
  if (!("geolocation" in navigator)) {
    button.hidden = true;
    return;
  }
  button.addEventListener("click", function () {
    status.textContent = button.dataset.waiting || "…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lon.value = position.coords.longitude.toFixed(6);
        status.textContent = status.dataset.ok + " (" + lat.value + ", " + lon.value + ")";
      },
      function () {
        lat.value = "";
        lon.value = "";
        status.textContent = status.dataset.failed;
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  });
})();
