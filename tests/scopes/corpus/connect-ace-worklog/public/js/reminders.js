/* global AP */
(function () {
  AP.request({
    url: '/rest/api/3/myself',
    success: function (text) {
      var me = JSON.parse(text);
      document.getElementById('greeting').textContent = 'Hi ' + me.displayName + ' (' + me.emailAddress + ')';
    },
  });
})();
