// cron() rotation schedules, field by field (config/cron.ts): each field's range refused with the field named and what
// to change, the ? rule, L and #, Secrets Manager's own limits (minutes 0, year *, no W, at most every 4 hours), through
// validation (the field path of the secret's scheduleExpression) and on the schedules AWS documents as valid.
import { cronProblem } from "../config/cron";
import { issuesOf, minimalDescription } from "./helpers/descriptions";

const AT = "applications.myapp.secrets.jwt.rotation.scheduleExpression";

/** The problems of the minimal description (AWS only) with this schedule on its rotating jwt. */
function problemsWith(scheduleExpression: string): string[] {
  const d = minimalDescription();
  d.applications.myapp.secrets.jwt.rotation = { scheduleExpression };
  return issuesOf(d);
}

describe("a cron() field out of Secrets Manager's grammar is refused with its field path, the field named and the fix", () => {
  it.each<[string, string, RegExp]>([
    ["minutes other than 0", "cron(30 4 ? * SUN *)", /the minutes field \(1st of cron\(\)\): "30" is not 0: Secrets Manager's rotation windows open on the hour/],
    ["minutes out of range", "cron(60 4 ? * SUN *)", /the minutes field \(1st of cron\(\)\): 60 is out of range: use 0/],
    ["hours out of range", "cron(0 24 ? * SUN *)", /the hours field \(2nd of cron\(\)\): 24 is out of range: use 0-23/],
    ["hours closer than four hours apart", "cron(0 1,3 ? * SUN *)", /the hours field \(2nd of cron\(\)\): "1,3" rotates at 1:00, 3:00: Secrets Manager rotates a secret at most every 4 hours/],
    ["every hour", "cron(0 * ? * SUN *)", /the hours field \(2nd of cron\(\)\): "\*" rotates at 0:00, 1:00/],
    ["hours at least four apart in a day but three apart across midnight, every day", "cron(0 2,6,10,14,18,23 * * ? *)", /the hours field \(2nd of cron\(\)\): "2,6,10,14,18,23" rotates at 2:00, 6:00, 10:00, 14:00, 18:00, 23:00 every day: Secrets Manager rotates a secret at most every 4 hours/],
    ["day-of-month out of range", "cron(0 4 0 * ? *)", /the day-of-month field \(3rd of cron\(\)\): 0 is out of range: use 1-31/],
    ["day-of-month 32", "cron(0 4 32 * ? *)", /the day-of-month field \(3rd of cron\(\)\): 32 is out of range: use 1-31/],
    ["day-of-month W, which Secrets Manager does not take", "cron(0 4 15W * ? *)", /the day-of-month field \(3rd of cron\(\)\): "15W": Secrets Manager's day-of-month takes , - \* \? \/ L but not W/],
    ["month out of range", "cron(0 4 1 13 ? *)", /the month field \(4th of cron\(\)\): 13 is out of range: use 1-12 or JAN-DEC/],
    ["month misspelled", "cron(0 4 1 JANUARY ? *)", /the month field \(4th of cron\(\)\): "JANUARY" is not a value: use 1-12 or JAN-DEC/],
    ["month range backwards", "cron(0 4 1 DEC-JAN ? *)", /the month field \(4th of cron\(\)\): "DEC-JAN" runs backwards/],
    ["day-of-week out of range", "cron(0 4 ? * 8 *)", /the day-of-week field \(5th of cron\(\)\): 8 is out of range: use 1-7 or SUN-SAT/],
    ["day-of-week # beyond the 5th week", "cron(0 4 ? * MON#6 *)", /the day-of-week field \(5th of cron\(\)\): "MON#6": the week after # is 1 to 5/],
    ["# outside day-of-week", "cron(0 4 1#2 * ? *)", /the day-of-month field \(3rd of cron\(\)\): "1#2": # \(the nth weekday of the month\) is allowed only in day-of-week/],
    ["year other than *", "cron(0 4 ? * SUN 2030)", /the year field \(6th of cron\(\)\): "2030" is not \*: Secrets Manager does not support schedules more than a year apart/],
    ["year out of range", "cron(0 4 ? * SUN 1800)", /the year field \(6th of cron\(\)\): 1800 is out of range/],
    ["both day fields with a value (the ? rule)", "cron(0 4 * * SUN *)", /the day-of-month field \(3rd of cron\(\)\) \("\*"\) and the day-of-week field \(5th of cron\(\)\) \("SUN"\) both have a value: one of them must be \?/],
    ["both day fields ?", "cron(0 4 ? * ? *)", /the day-of-month field \(3rd of cron\(\)\) and the day-of-week field \(5th of cron\(\)\) are both \?: give one of them a value/],
    ["? in the month", "cron(0 4 1 ? ? *)", /the month field \(4th of cron\(\)\): \? is allowed only in day-of-month and day-of-week/],
    ["five fields", "cron(0 4 ? * SUN)", /a cron\(\) schedule has six fields: minutes hours day-of-month month day-of-week year \(found 5\)/],
  ])("%s: %s", (_what, schedule, message) => {
    expect(problemsWith(schedule)).toEqual([expect.stringMatching(new RegExp(`^${AT.replace(/\./g, "\\.")}: ${message.source}`))]);
  });
});

describe("schedules Secrets Manager documents as valid are accepted", () => {
  it.each([
    "cron(0 4 ? * SUN *)",
    "cron(0 0 1 * ? *)",
    "cron(0 4/12 * * ? *)", // the documented example: 4:00 and 16:00 each day
    "cron(0 8/8 * * ? *)",
    "cron(0 8 1/7 * ? *)",
    "cron(0 0 ? * SUN#1 *)",
    "cron(0 16 L * ? *)",
    "cron(0 0 ? * 6L *)",
    "cron(0 2 ? JAN,APR,JUL,OCT MON-FRI *)",
    "cron(0 0,12 ? * 1-7 *)",
    "cron(0 0/4 * * ? *)", // 0:00 to 20:00, then 0:00 the next day: four hours apart throughout
    "cron(0 2,22 ? * SUN *)", // Sundays only: 22:00 is not followed by 2:00 the next day
  ])("%s", (schedule) => {
    expect(cronProblem(schedule.slice(5, -1))).toBeUndefined();
    expect(problemsWith(schedule)).toEqual([]);
  });
});
