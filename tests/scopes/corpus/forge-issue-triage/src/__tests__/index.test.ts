import api, { route } from '@forge/api';

jest.mock('@forge/api');

test('lists projects for the picker', async () => {
  await api.asApp().requestJira(route`/rest/api/3/project/search`);
  expect(api.asApp().requestJira).toHaveBeenCalled();
});
