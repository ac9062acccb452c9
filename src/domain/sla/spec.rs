//! The written form of working hours (`{"monday": [{"start": "07:30",
//! "end": "12:00"}, …], …}`), used by the API and stored as JSON.

use serde::{Deserialize, Serialize};

use super::calendar::{CalendarError, Interval, WeekSchedule};

/// One working interval in local time, `HH:MM`; `24:00` ends the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntervalSpec {
    pub start: String,
    /// After `start` (422 otherwise).
    pub end: String,
}

/// Working intervals per weekday; a missing day has none. A day's intervals
/// do not overlap (422 otherwise).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeekSpec {
    #[serde(default)]
    pub monday: Vec<IntervalSpec>,
    #[serde(default)]
    pub tuesday: Vec<IntervalSpec>,
    #[serde(default)]
    pub wednesday: Vec<IntervalSpec>,
    #[serde(default)]
    pub thursday: Vec<IntervalSpec>,
    #[serde(default)]
    pub friday: Vec<IntervalSpec>,
    #[serde(default)]
    pub saturday: Vec<IntervalSpec>,
    #[serde(default)]
    pub sunday: Vec<IntervalSpec>,
}

fn format(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl From<&WeekSchedule> for WeekSpec {
    fn from(week: &WeekSchedule) -> Self {
        let day = |i: usize| -> Vec<IntervalSpec> {
            week.days()[i].iter().map(|iv| IntervalSpec { start: format(iv.start()), end: format(iv.end()) }).collect()
        };
        Self {
            monday: day(0),
            tuesday: day(1),
            wednesday: day(2),
            thursday: day(3),
            friday: day(4),
            saturday: day(5),
            sunday: day(6),
        }
    }
}

impl TryFrom<&WeekSpec> for WeekSchedule {
    type Error = (String, CalendarError);

    /// Fails with the day's name and what is wrong with it.
    fn try_from(spec: &WeekSpec) -> Result<Self, (String, CalendarError)> {
        let named = [
            ("monday", &spec.monday),
            ("tuesday", &spec.tuesday),
            ("wednesday", &spec.wednesday),
            ("thursday", &spec.thursday),
            ("friday", &spec.friday),
            ("saturday", &spec.saturday),
            ("sunday", &spec.sunday),
        ];
        let mut days: [Vec<Interval>; 7] = Default::default();
        for (index, (name, intervals)) in named.into_iter().enumerate() {
            for iv in intervals {
                days[index].push(Interval::parse(&iv.start, &iv.end).map_err(|e| (name.to_owned(), e))?);
            }
        }
        WeekSchedule::new(days.clone()).map_err(|e| {
            let day = days
                .iter()
                .position(|d| {
                    WeekSchedule::new(std::array::from_fn(|i| if i == 0 { d.clone() } else { Vec::new() })).is_err()
                })
                .map_or("week", |i| named[i].0);
            (day.to_owned(), e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_form_round_trips() {
        let week = WeekSchedule::perpres_21_2023();
        let spec = WeekSpec::from(&week);
        assert_eq!(spec.friday[1], IntervalSpec { start: "13:00".into(), end: "16:30".into() });
        assert_eq!(WeekSchedule::try_from(&spec), Ok(week));
    }

    #[test]
    fn errors_name_the_day() {
        let mut spec = WeekSpec {
            tuesday: vec![
                IntervalSpec { start: "08:00".into(), end: "12:00".into() },
                IntervalSpec { start: "11:00".into(), end: "13:00".into() },
            ],
            ..WeekSpec::default()
        };
        assert_eq!(WeekSchedule::try_from(&spec), Err(("tuesday".into(), CalendarError::Overlap)));
        spec.tuesday = vec![IntervalSpec { start: "9".into(), end: "10:00".into() }];
        assert_eq!(WeekSchedule::try_from(&spec), Err(("tuesday".into(), CalendarError::BadInterval)));
    }
}
